import './base.css';
import './sweeps.css';
import './jobview.css';
import './dialog.css';
